"""The payouts API: base amounts, budgets and a cycle's payout lists."""
