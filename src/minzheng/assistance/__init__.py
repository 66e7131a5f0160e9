"""Social assistance: policy standards and profiles, eligibility and benefit rules, cases, payroll."""
