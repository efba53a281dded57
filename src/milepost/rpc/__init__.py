"""The JSON-RPC transport: protocol, method registry, binding, discovery, HTTP endpoint."""
