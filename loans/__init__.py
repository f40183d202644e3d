"""Loans (pinjaman): loan products with dated terms, their schedules and their true price.

Two ideas a newcomer needs:

* A product's parameters (method, rate, tenor and amount limits, fees, denda, allocation order,
  early settlement, compulsory saving, accrual) are dated by the day they take effect
  (:class:`~loans.models.LoanProductTerms`), as savings terms are: the terms in force on a date
  are the latest row effective on or before it.
* The arithmetic is pure and lives apart from Django: :mod:`loans.schedule` makes the
  instalments (flat, anuitas, menurun; monthly or weekly; whole rupiah, the last absorbing the
  rounding) and :mod:`loans.rates` the effective annual rate checked against the 24% cap.
"""
