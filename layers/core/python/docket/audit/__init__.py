"""The audit trail as a product (seeds 001 and 004): reading it, its statistics, verifying its
chain, and exporting it for compliance. The entries themselves are written by `docket.data.audit`."""
