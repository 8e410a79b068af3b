"""Word lists and reference tables the banking simulator draws from.

Kept apart from the generation code so the logic stays readable. Order matters: the
generators index into these tuples, so reordering an entry changes every seeded output.
"""

from __future__ import annotations

from assets.banking.cleaning import (  # noqa: F401  (the contract's value sets, re-exported for the generators)
    ACCOUNT_STATUSES,
    ACCOUNT_TYPES,
    BUREAUS,
    CHANNELS,
    LOAN_PRODUCTS,
    LOAN_STATUSES,
    TRANSACTION_TYPES,
)

EMPLOYMENT = ("employed", "self_employed", "retired", "unemployed", "student")
EMPLOYMENT_P = (0.62, 0.10, 0.16, 0.05, 0.07)
KYC = ("verified", "pending", "failed", "expired")
KYC_P = (0.94, 0.04, 0.01, 0.01)
# Mostly dollars; a few accounts of expatriate or business customers in other currencies.
CURRENCIES = ("USD", "EUR", "GBP", "CAD")
CURRENCY_P = (0.955, 0.02, 0.01, 0.015)

# Merchant category codes by ticket size: an $8 purchase is a coffee, not a flight.
# (mcc, weight) per amount band; the bands' upper bounds are in cents.
MCC_BANDS = (
    (1_500, ((5814, 4.0), (5812, 2.0), (5499, 2.0), (4111, 1.0), (5815, 1.5), (5942, 0.5))),
    (8_000, ((5411, 4.0), (5541, 2.5), (5812, 3.0), (5912, 1.5), (4121, 1.0), (5999, 1.0), (4899, 0.5), (5651, 1.0))),
    (40_000, ((5411, 3.0), (5311, 2.0), (5310, 2.0), (5691, 1.5), (5200, 1.5), (4814, 1.0), (8011, 0.5), (5732, 0.5))),
    (None, ((5732, 2.0), (7011, 2.0), (4511, 2.0), (5200, 1.5), (5712, 1.0), (5944, 0.5), (8062, 0.5))),
)
# What a card-testing fraudster and a big-ticket fraudster buy.
FRAUD_TESTING_MCCS = (5815, 5999)
FRAUD_SPEND_MCCS = (5732, 5944, 5311)
ONLINE_MCCS = (5815, 4899, 4814, 4511)

# Brand names per MCC: what shows on a card statement. Apostrophes and ampersands included.
MERCHANT_BRANDS: dict[int, tuple[str, ...]] = {
    5411: ("KROGER", "SAFEWAY", "PUBLIX", "TRADER JOE'S", "WHOLE FOODS MKT", "ALDI", "H-E-B", "WEGMANS", "FRESHMART"),
    5499: ("7-ELEVEN", "WAWA", "CIRCLE K", "SHEETZ"),
    5812: ("OLIVE GARDEN", "CHEESECAKE FACTORY", "APPLEBEE'S", "PANERA BREAD", "CHIPOTLE", "SUSHI ZEN", "CAFE DE FLORE"),
    5814: ("STARBUCKS", "MCDONALD'S", "DUNKIN", "CHICK-FIL-A", "TACO BELL", "SUBWAY"),
    5541: ("SHELL OIL", "CHEVRON", "EXXONMOBIL", "BP", "VALERO", "SPEEDWAY"),
    5912: ("CVS/PHARMACY", "WALGREENS", "RITE AID"),
    4121: ("UBER TRIP", "LYFT RIDE", "YELLOW CAB CO"),
    4111: ("MTA NYC TRANSIT", "BART", "CTA VENTRA", "MBTA"),
    5815: ("APPLE.COM/BILL", "GOOGLE *PLAY", "SPOTIFY USA", "NETFLIX.COM", "STEAMGAMES.COM"),
    5942: ("BARNES & NOBLE", "BOOKS-A-MILLION"),
    5999: ("AMAZON MKTPLACE", "ETSY.COM", "EBAY O*", "PAYPAL *MISC"),
    4899: ("COMCAST CABLE", "SPECTRUM", "DIRECTV"),
    5651: ("OLD NAVY", "GAP", "H&M", "UNIQLO"),
    5311: ("MACY'S", "NORDSTROM", "KOHL'S", "JCPENNEY"),
    5310: ("TARGET", "WALMART", "COSTCO WHSE", "DOLLAR TREE"),
    5691: ("J.CREW", "BANANA REPUBLIC", "ZARA USA"),
    5200: ("HOME DEPOT", "LOWE'S", "MENARDS"),
    4814: ("VERIZON WRLS", "AT&T", "T-MOBILE"),
    8011: ("CITYMD", "ONE MEDICAL", "FAMILY PRACTICE ASSOC"),
    5732: ("BEST BUY", "APPLE STORE", "MICRO CENTER"),
    7011: ("MARRIOTT", "HILTON HOTELS", "HYATT", "HOLIDAY INN"),
    4511: ("DELTA AIR", "UNITED AIRLINES", "AMERICAN AIR", "SOUTHWEST AIR"),
    5712: ("IKEA", "ASHLEY FURNITURE", "WAYFAIR"),
    5944: ("TIFFANY & CO", "KAY JEWELERS", "ZALES"),
    8062: ("MERCY HOSPITAL", "ST. LUKE'S MED CTR"),
}
# Brands of the rarely visited merchants a night-time purchase goes to (never a regular's).
NIGHT_BRANDS = ("CRYPTO ATM KIOSK", "GIFTCARD DEPOT", "QUICKCASH ONLINE", "ELECTRO WORLD", "LUXE WATCHES", "24H MINIMART")
NIGHT_MCCS = (6051, 5999, 4829, 5732, 5944, 5499)

EMPLOYERS = (
    "ACME CORP", "GLOBEX INC", "INITECH LLC", "UMBRELLA HEALTH", "STARK INDUSTRIES", "WAYNE ENTERPRISES",
    "CITY OF SPRINGFIELD", "STATE UNIV", "NORTHWIND TRADERS", "CONTOSO LTD", "FRESHMART INC", "BLUE RIDGE HOSPITAL",
)

STREET_NAMES = ("Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Pine", "Sunset", "Lincoln", "Church", "Mill", "River")
STREET_SUFFIXES = ("St", "Ave", "Rd", "Blvd", "Ln", "Dr", "Ct", "Way")

# Free text a customer or a teller typed. It must pass through the platform as data, never as
# code, and the PII-shaped ones must be scrubbed in silver (DOMAIN.md §5).
HOSTILE_DESCRIPTIONS = (
    'Rent, "Apt 4B", split 3 ways',
    "=SUM(A1)",
    '=HYPERLINK("http://example.com/pay","Pay here")',
    "Robert'); DROP TABLE transactions;--",
    "Dinner, drinks & tip",
    "@SUM(1+1)*cmd|' /C calc'!A0",
)
PII_DESCRIPTIONS = (
    "Venmo to jane.doe@example.com",
    "Call me at 415-555-0132 about the refund",
    "Reimbursement ref SSN 123-45-6789",
    "Card 4111 1111 1111 1111 replaced",
    "Zelle from bob.smith99@example.org for tickets",
    "Text (212) 555-0199 when paid",
)

# Economic indicators the "Fed API" returns: monthly observations, dated the first of the month.
# Values follow the 2023-2025 path of the real series (approximately; synthetic beyond it).
FEDFUNDS = {
    2023: (4.33, 4.57, 4.65, 4.83, 5.06, 5.08, 5.12, 5.33, 5.33, 5.33, 5.33, 5.33),
    2024: (5.33, 5.33, 5.33, 5.33, 5.33, 5.33, 5.33, 5.33, 5.13, 4.83, 4.64, 4.48),
    2025: (4.33, 4.33, 4.33, 4.33, 4.33, 4.33, 4.33, 4.33, 4.22, 4.09, 3.88, 3.72),
}
UNRATE = {
    2023: (3.4, 3.6, 3.5, 3.4, 3.7, 3.6, 3.5, 3.8, 3.8, 3.8, 3.7, 3.7),
    2024: (3.7, 3.9, 3.8, 3.9, 4.0, 4.1, 4.3, 4.2, 4.1, 4.1, 4.2, 4.1),
    2025: (4.0, 4.1, 4.2, 4.2, 4.2, 4.1, 4.2, 4.3, 4.4, 4.4, 4.5, 4.5),
}
CPI_BASE = (2023, 1, 300.536)  # CPIAUCSL, index 1982-84 = 100
CPI_MONTHLY_GROWTH = 0.0026
GDP_BASE = (2023, 1, 26_813.6)  # nominal GDP, billions of dollars, seasonally adjusted annual rate
GDP_QUARTERLY_GROWTH = 0.0135
