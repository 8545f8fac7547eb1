"""Research credits (seed 002): plans and their monthly allowances, each user's platform account
(plan, credit ledger, directory entry), the debit every research call makes in its own
transaction, usage per day, activity, and the monthly reset."""
