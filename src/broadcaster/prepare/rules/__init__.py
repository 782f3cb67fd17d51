"""The normalisation rules, grouped by topic; `text.normalize` puts them in order.

Each rule is a small pure function ``str -> str`` with a docstring example.
Modules: `common` (shared patterns), `marks` (characters, list markers,
signs), `codes` (phone numbers and other codes read digit by digit, dotted
names, generations), `web` (web and e-mail addresses), `money` (currencies
and rates), `dates` (dates, years, clock times), `measures` (temperatures,
percentages, units) and `counting` (ranges, decimals, plain integers).
"""
