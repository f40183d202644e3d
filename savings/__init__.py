"""Savings (simpanan): products, members' accounts and every movement of their money.

Two ideas a newcomer needs:

* A savings account's balance lives on its row and changes only inside a service that holds the
  row lock and writes, in the same transaction, a :class:`~savings.models.Transaction` row *and*
  the balanced ledger entry it references. The database refuses a balance below the account's
  ``floor`` (its minimum balance, or zero).
* Product parameters (rate, method, minimum balance, wajib amount, berjangka terms…) are dated by
  the day they take effect (:class:`~savings.models.ProductTerms`); the terms in force on a date
  are the latest row effective on or before it. The pure arithmetic is in
  :mod:`savings.interest`.
* Savings is a sub-ledger of the books (:mod:`savings.subledger`): a ``savings.*`` entry is
  undone only by a void (:mod:`savings.services.void`), which moves the members' accounts back
  with the books; ``kopdig ledger verify`` checks every control account against the accounts.
"""
