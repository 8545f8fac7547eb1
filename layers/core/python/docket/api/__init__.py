"""HTTP API mechanisms every resource group uses: the resolver factory and its middlewares."""
