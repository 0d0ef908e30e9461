"""forkless: Python workers for the forkless test coordinator (docs/python.md).

`python -m forkless unittest ...` runs plain unittest suites and `python -m forkless
django ...` runs Django projects as protocol v1 workers (docs/protocol.md);
`django-config` and `django-setup` describe and build the template test databases the
coordinator clones for each worker.
"""

__version__ = "0.1.0"
