-- Basel III capital ratios by month, against the minimums, with the breaches spelled out.
select
    month,
    rwa_total, ead_total, loans,
    cet1_capital, tier1_capital, total_capital,
    cet1_ratio, tier1_ratio, total_ratio,
    0.045 as cet1_minimum, 0.06 as tier1_minimum, 0.08 as total_minimum, 0.025 as conservation_buffer,
    cet1_below_minimum, tier1_below_minimum, total_below_minimum, conservation_buffer_breached,
    coalesce(cet1_below_minimum or tier1_below_minimum or total_below_minimum, false) as below_any_minimum
from {{ source('banking', 'gold_capital_adequacy') }}
