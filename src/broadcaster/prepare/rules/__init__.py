"""The normalisation rules, grouped by topic; `prepare.normalize` puts them in order.

Each rule is a small pure function ``str -> str`` with a docstring example;
`broadcaster text --explain` names the rule behind every rewrite.
Modules: `common` (shared patterns), `marks` (characters, full-width forms,
tildes and dashes, list markers, signs), `phones` (numbers people dial or
type: phones, extensions, hotlines, codes named by a word, IPv4), `codes`
(plates, 文号, standards, addresses and rooms, dotted names, generations,
product codes), `web` (web and e-mail addresses), `money` (currencies,
discounts), `dates` (dates, years, date ranges), `times` (clock times),
`units` (Latin units), `measures` (temperatures, percentages, rates) and
`counting` (scores, ranges, fractions, decimals, plain integers).
"""
