"""The untrusted side of the trust boundary: code that runs inside the sandbox.

``zygote`` imports torch once and forks one ``worker`` per submission; ``opwatch`` records
forbidden calls at the operator level; ``wire`` encodes replies as data only.  Nothing here
imports the course, the graders or the answer keys, or learns where they live.
"""
