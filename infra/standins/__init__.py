"""Stand-ins for production dependencies that run on one machine over their real wire protocols.

Used by the test suite, the benchmarks and local production mode; never by the product itself:
real MongoDB and S3 remain the production targets.
"""
