"""The server stack the cloud and himds share: uvicorn with a guarded HTTP protocol (slow request
heads time out, protocol errors answer JSON, a handler may drop its connection), request-body
limits, and one way to configure and run a server. It imports no other part of cmagent, so that
the cloud and himds each keep their own protocol handling above it.
"""
