"""Platform administration (seed 002's `/admin`): administrators outside every firm, created by
`make admin`; the platform directory of users across tenants and their plan roles; the platform's
statistics; and the admin log of everything administrators do."""
