"""POST /v1/resolve: the temporal engine over HTTP, storing nothing."""
