"""Word lists the retail simulator draws from: places, names, the product catalog's vocabulary.

Kept apart from the generation code so the logic stays readable. Order matters: the
generators index into these tuples, so reordering an entry changes every seeded output.
"""

from __future__ import annotations

REGIONS = ("Northeast", "Southeast", "Midwest", "Southwest", "West")

# (city, state, region, first three zip digits, area code). Northeast zips start with 0 on
# purpose: a zip must survive the trip through the platform as text, leading zero intact.
CITIES = (
    ("Boston", "MA", "Northeast", "021", "617"),
    ("Worcester", "MA", "Northeast", "016", "508"),
    ("Providence", "RI", "Northeast", "029", "401"),
    ("Hartford", "CT", "Northeast", "061", "860"),
    ("New Haven", "CT", "Northeast", "065", "203"),
    ("Newark", "NJ", "Northeast", "071", "973"),
    ("Trenton", "NJ", "Northeast", "086", "609"),
    ("Albany", "NY", "Northeast", "122", "518"),
    ("Buffalo", "NY", "Northeast", "142", "716"),
    ("Pittsburgh", "PA", "Northeast", "152", "412"),
    ("Philadelphia", "PA", "Northeast", "191", "215"),
    ("Portland", "ME", "Northeast", "041", "207"),
    ("Atlanta", "GA", "Southeast", "303", "404"),
    ("Savannah", "GA", "Southeast", "314", "912"),
    ("Charlotte", "NC", "Southeast", "282", "704"),
    ("Raleigh", "NC", "Southeast", "276", "919"),
    ("Winston-Salem", "NC", "Southeast", "271", "336"),
    ("Charleston", "SC", "Southeast", "294", "843"),
    ("Orlando", "FL", "Southeast", "328", "407"),
    ("Tampa", "FL", "Southeast", "336", "813"),
    ("Miami", "FL", "Southeast", "331", "305"),
    ("Nashville", "TN", "Southeast", "372", "615"),
    ("Richmond", "VA", "Southeast", "232", "804"),
    ("Chicago", "IL", "Midwest", "606", "312"),
    ("Springfield", "IL", "Midwest", "627", "217"),
    ("Indianapolis", "IN", "Midwest", "462", "317"),
    ("Columbus", "OH", "Midwest", "432", "614"),
    ("Cleveland", "OH", "Midwest", "441", "216"),
    ("Detroit", "MI", "Midwest", "482", "313"),
    ("Grand Rapids", "MI", "Midwest", "495", "616"),
    ("Milwaukee", "WI", "Midwest", "532", "414"),
    ("Madison", "WI", "Midwest", "537", "608"),
    ("Minneapolis", "MN", "Midwest", "554", "612"),
    ("St. Louis", "MO", "Midwest", "631", "314"),
    ("Kansas City", "MO", "Midwest", "641", "816"),
    ("Omaha", "NE", "Midwest", "681", "402"),
    ("Des Moines", "IA", "Midwest", "503", "515"),
    ("Houston", "TX", "Southwest", "770", "713"),
    ("Dallas", "TX", "Southwest", "752", "214"),
    ("Austin", "TX", "Southwest", "787", "512"),
    ("San Antonio", "TX", "Southwest", "782", "210"),
    ("El Paso", "TX", "Southwest", "799", "915"),
    ("Oklahoma City", "OK", "Southwest", "731", "405"),
    ("Tulsa", "OK", "Southwest", "741", "918"),
    ("Phoenix", "AZ", "Southwest", "850", "602"),
    ("Tucson", "AZ", "Southwest", "857", "520"),
    ("Albuquerque", "NM", "Southwest", "871", "505"),
    ("Los Angeles", "CA", "West", "900", "213"),
    ("San Diego", "CA", "West", "921", "619"),
    ("San Jose", "CA", "West", "951", "408"),
    ("Sacramento", "CA", "West", "958", "916"),
    ("Fresno", "CA", "West", "937", "559"),
    ("Portland", "OR", "West", "972", "503"),
    ("Seattle", "WA", "West", "981", "206"),
    ("Spokane", "WA", "West", "992", "509"),
    ("Denver", "CO", "West", "802", "303"),
    ("Boise", "ID", "West", "837", "208"),
    ("Salt Lake City", "UT", "West", "841", "801"),
    ("Las Vegas", "NV", "West", "891", "702"),
)

# Express stores sit in neighbourhoods; the comma in "<city>, <neighbourhood>" forces CSV quoting.
NEIGHBOURHOODS = ("Downtown", "Midtown", "Uptown", "Riverside", "Old Town", "University", "Harbor", "Westside", "Eastgate", "Northpoint")

STORE_TYPES = ("supercenter", "market", "express")

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra",
    "Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle",
    "Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie",
    "José", "María", "Luis", "Sofía", "Wei", "Mei", "Hiroshi", "Yuki", "Aisha", "Omar",
    "Priya", "Arjun", "Chloé", "Zoë", "Björn", "Siobhan", "Nguyen", "Fatima", "Mateo", "Léa",
)

# Display form (what the CRM holds: accents, apostrophes, hyphens) and an ASCII form for e-mail addresses.
LAST_NAMES = (
    ("Smith", "smith"), ("Johnson", "johnson"), ("Williams", "williams"), ("Brown", "brown"), ("Jones", "jones"),
    ("Garcia", "garcia"), ("Miller", "miller"), ("Davis", "davis"), ("Rodriguez", "rodriguez"), ("Martinez", "martinez"),
    ("Hernandez", "hernandez"), ("Lopez", "lopez"), ("Gonzalez", "gonzalez"), ("Wilson", "wilson"), ("Anderson", "anderson"),
    ("Thomas", "thomas"), ("Taylor", "taylor"), ("Moore", "moore"), ("Jackson", "jackson"), ("Martin", "martin"),
    ("Lee", "lee"), ("Perez", "perez"), ("Thompson", "thompson"), ("White", "white"), ("Harris", "harris"),
    ("Sanchez", "sanchez"), ("Clark", "clark"), ("Ramirez", "ramirez"), ("Lewis", "lewis"), ("Robinson", "robinson"),
    ("Walker", "walker"), ("Young", "young"), ("Allen", "allen"), ("King", "king"), ("Wright", "wright"),
    ("Scott", "scott"), ("Torres", "torres"), ("Nguyen", "nguyen"), ("Hill", "hill"), ("Flores", "flores"),
    ("Green", "green"), ("Adams", "adams"), ("Nelson", "nelson"), ("Baker", "baker"), ("Hall", "hall"),
    ("Rivera", "rivera"), ("Campbell", "campbell"), ("Mitchell", "mitchell"), ("Carter", "carter"), ("Roberts", "roberts"),
    ("O'Brien", "obrien"), ("O'Connor", "oconnor"), ("Smith-Jones", "smithjones"), ("García", "garcia"), ("Müller", "muller"),
    ("Núñez", "nunez"), ("Kowalski", "kowalski"), ("Chen", "chen"), ("Wang", "wang"), ("Kim", "kim"),
    ("Patel", "patel"), ("Singh", "singh"), ("Tanaka", "tanaka"), ("Haddad", "haddad"), ("Okafor", "okafor"),
    ("Van der Berg", "vanderberg"), ("MacDonald", "macdonald"), ("D'Angelo", "dangelo"), ("St. John", "stjohn"), ("Ødegaard", "odegaard"),
)

EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com", "inbox.example.net")

# Untrusted text the CRM happily stores (DOMAIN.md §5): it must pass through as data, never as code.
HOSTILE_NAMES = (
    ("=HYPERLINK(\"http://example.com\",\"click\")", "Formula", "formula"),
    ("Robert", "Tables'); DROP TABLE customers;--", "tables"),
    ("Anne, Marie", "\"The Boss\" Smith", "boss"),
)

PRIVATE_LABEL = "Harvest Lane"
PRIVATE_LABEL_SUPPLIER = "Harvest Lane Sourcing LLC"

# category -> weight in the assortment, (min, max) unit cost in dollars, sizes, brands, {subcategory: items}.
CATALOG = {
    "Dairy": (10, (0.8, 7.0), ("8 oz", "16 oz", "32 oz", "1 Gallon", "Half Gallon", "12 ct"),
              ("Local Dairy Co", "Meadow Gold", "Horizon Fields", "Cabot Creek", "Chobani Valley"),
              {"Milk": ("Whole Milk", "2% Milk", "Skim Milk", "Oat Milk", "Chocolate Milk"),
               "Cheese": ("Cheddar Cheese", "Mozzarella", "Swiss Slices", "Parmesan Wedge", "Cream Cheese"),
               "Yogurt": ("Greek Yogurt", "Vanilla Yogurt", "Strawberry Yogurt", "Kefir"),
               "Butter & Eggs": ("Salted Butter", "Unsalted Butter", "Large Eggs", "Free Range Eggs")}),
    "Produce": (12, (0.3, 5.0), ("1 lb", "2 lb", "3 lb bag", "each", "bunch", "6 oz"),
                ("Green Acres", "Sunny Valley Farms", "Del Sol", "Orchard Fresh"),
                {"Fruit": ("Bananas", "Gala Apples", "Navel Oranges", "Strawberries", "Blueberries", "Avocados", "Lemons"),
                 "Vegetables": ("Broccoli", "Carrots", "Russet Potatoes", "Yellow Onions", "Roma Tomatoes", "Bell Peppers"),
                 "Salad": ("Romaine Hearts", "Spring Mix", "Baby Spinach", "Caesar Salad Kit"),
                 "Herbs": ("Cilantro", "Basil", "Italian Parsley", "Fresh Ginger")}),
    "Bakery": (7, (0.9, 6.0), ("each", "6 ct", "12 ct", "20 oz", "24 oz"),
               ("Sunrise Bakery", "Pepper Ridge", "Golden Crust", "Nature's Loaf"),
               {"Bread": ("White Bread", "Whole Wheat Bread", "Sourdough Loaf", "Rye Bread"),
                "Rolls & Buns": ("Hamburger Buns", "Hot Dog Buns", "Dinner Rolls", "6\" Sub Rolls"),
                "Pastries": ("Croissants", "Blueberry Muffins", "Glazed Donuts", "Cinnamon Rolls"),
                "Tortillas": ("Flour Tortillas", "Corn Tortillas")}),
    "Meat": (8, (3.0, 22.0), ("1 lb", "2 lb", "family pack", "12 oz"),
             ("Prairie Ranch", "Coastal Catch", "Heritage Farms", "Tyson Hollow"),
             {"Beef": ("Ground Beef 80/20", "Ribeye Steak", "Sirloin Steak", "Beef Stew Meat"),
              "Chicken": ("Chicken Breast", "Chicken Thighs", "Whole Chicken", "Chicken Wings"),
              "Pork": ("Pork Chops", "Bacon", "Pork Tenderloin", "Breakfast Sausage"),
              "Seafood": ("Atlantic Salmon", "Shrimp, Peeled & Deveined", "Tilapia Fillets", "Cod Fillets")}),
    "Beverages": (10, (0.5, 9.0), ("12 oz", "2 L", "6 pk", "12 pk", "64 oz", "12 oz bag"),
                  ("Fizz Co", "Clear Spring", "Tropicana Grove", "Mountain Roast", "Leaf & Kettle"),
                  {"Soda": ("Cola", "Diet Cola", "Lemon-Lime Soda", "Root Beer", "Ginger Ale"),
                   "Water": ("Spring Water", "Sparkling Water", "Mineral Water"),
                   "Juice": ("Orange Juice", "Apple Juice", "Cranberry Juice", "Grape Juice"),
                   "Coffee & Tea": ("Ground Coffee", "Whole Bean Coffee", "Green Tea", "Black Tea", "Cold Brew")}),
    "Snacks": (10, (0.6, 5.0), ("5 oz", "8 oz", "13 oz", "family size", "24 ct"),
               ("Crunch Time", "Golden Harvest", "Nutty Buddy Co", "Sweet Tooth"),
               {"Chips": ("Potato Chips", "Tortilla Chips, Sea Salt", "BBQ Chips", "Pita Chips"),
                "Cookies": ("Chocolate Chip Cookies", "Oatmeal Cookies", "Sandwich Cookies"),
                "Candy": ("Milk Chocolate Bar", "Gummy Bears", "Peanut Butter Cups", "Sour Worms"),
                "Nuts & Crackers": ("Roasted Almonds", "Mixed Nuts", "Saltine Crackers", "Cheese Crackers")}),
    "Frozen": (8, (1.2, 9.0), ("12 oz", "16 oz", "1.5 qt", "12\"", "family size"),
               ("Arctic Table", "Polar Pantry", "Frosty Farms", "Napoli Oven"),
               {"Pizza": ("Pepperoni Pizza", "Cheese Pizza", "Supreme Pizza"),
                "Ice Cream": ("Vanilla Ice Cream", "Chocolate Ice Cream", "Cookies & Cream Ice Cream"),
                "Frozen Vegetables": ("Frozen Peas", "Frozen Corn", "Stir Fry Vegetables"),
                "Frozen Meals": ("Chicken Alfredo Bowl", "Beef Lasagna", "Burritos", "Fish Sticks")}),
    "Pantry": (10, (0.5, 7.0), ("16 oz", "24 oz", "15 oz can", "32 oz", "5 lb"),
               ("Kitchen Table", "Nonna's", "Prairie Mill", "Campfield"),
               {"Pasta & Rice": ("Spaghetti", "Penne", "Long Grain Rice", "Jasmine Rice", "Mac & Cheese"),
                "Canned Goods": ("Black Beans", "Diced Tomatoes", "Chicken Noodle Soup", "Tuna in Water"),
                "Cereal": ("Corn Flakes", "Honey Oat Cereal", "Granola", "Oatmeal"),
                "Condiments": ("Ketchup", "Yellow Mustard", "Mayonnaise", "Salsa", "Peanut Butter"),
                "Baking": ("All-Purpose Flour", "Granulated Sugar", "Baking Soda", "Olive Oil")}),
    "Household": (7, (1.0, 14.0), ("1 ct", "2 ct", "6 rolls", "12 rolls", "64 oz", "100 oz"),
                  ("BrightHome", "CleanWave", "Softly", "TidyMax"),
                  {"Cleaning": ("All-Purpose Cleaner", "Glass Cleaner", "Disinfecting Wipes", "Dish Soap"),
                   "Paper": ("Paper Towels", "Toilet Paper", "Facial Tissues", "Napkins"),
                   "Laundry": ("Laundry Detergent", "Fabric Softener", "Dryer Sheets"),
                   "Kitchen": ("Aluminum Foil", "Trash Bags", "Zip Storage Bags", "Sponges")}),
    "Personal Care": (7, (1.0, 12.0), ("3 oz", "8 oz", "12 oz", "2 pk", "4 pk"),
                      ("PureGlow", "Fresh Mint Labs", "Silk & Stone", "DailyCare"),
                      {"Hair Care": ("Shampoo", "Conditioner", "2-in-1 Shampoo"),
                       "Oral Care": ("Toothpaste", "Toothbrush", "Mouthwash", "Dental Floss"),
                       "Bath & Body": ("Bar Soap", "Body Wash", "Hand Soap", "Body Lotion"),
                       "Deodorant": ("Deodorant Stick", "Antiperspirant")}),
    "Electronics": (3, (2.0, 120.0), ("1 ct", "2 pk", "4 pk", "6 ft", "10 ft"),
                    ("VoltEdge", "SoundWave", "PlugIn", "BrightSpark"),
                    {"Batteries": ("AA Batteries", "AAA Batteries", "9V Battery", "Coin Cell Batteries"),
                     "Cables & Chargers": ("USB-C Cable", "Lightning Cable", "Wall Charger", "Car Charger"),
                     "Audio": ("Earbuds", "Bluetooth Speaker", "Over-Ear Headphones"),
                     "Lighting": ("LED Light Bulbs", "Flashlight", "Night Light")}),
    "Pet": (4, (1.0, 30.0), ("3 oz", "5 lb", "15 lb", "12 ct"),
            ("Happy Paws", "Whisker Co", "Tail Waggers"),
            {"Dog": ("Dry Dog Food", "Dog Treats", "Wet Dog Food"),
             "Cat": ("Dry Cat Food", "Wet Cat Food", "Cat Litter")}),
    "Baby": (3, (2.0, 35.0), ("1 ct", "24 ct", "72 ct", "12.4 oz"),
             ("Little Sprout", "Tiny Steps"),
             {"Diapers & Wipes": ("Diapers Size 3", "Diapers Size 4", "Baby Wipes"),
              "Feeding": ("Infant Formula", "Baby Food Pouches", "Teething Biscuits")}),
}

NAME_MODIFIERS = ("", "", "", "Organic ", "Classic ", "Premium ", "Lite ", "Value ")

# Distributors per category; a brand always ships through the same one.
CATEGORY_SUPPLIERS = {
    "Dairy": ("Local Dairy Co", "Great Lakes Distribution"),
    "Produce": ("Pacific Produce Partners", "Sun Belt Wholesale"),
    "Bakery": ("Midwest Foods Inc", "Atlantic Grocers Supply"),
    "Meat": ("Prairie Provisions", "Gulf Coast Imports"),
    "Beverages": ("Continental Brands LLC", "Blue Ridge Distributors"),
    "Snacks": ("Continental Brands LLC", "Midwest Foods Inc"),
    "Frozen": ("Northstar Consumer Goods", "Great Lakes Distribution"),
    "Pantry": ("Atlantic Grocers Supply", "Midwest Foods Inc"),
    "Household": ("Northstar Consumer Goods", "Cascade Trading Co"),
    "Personal Care": ("Cascade Trading Co", "Blue Ridge Distributors"),
    "Electronics": ("Cascade Trading Co", "Gulf Coast Imports"),
    "Pet": ("Prairie Provisions", "Sun Belt Wholesale"),
    "Baby": ("Northstar Consumer Goods", "Blue Ridge Distributors"),
}
