"""Test helpers of the example project: table-driven test methods."""


def add_cases(cls, prefix, cases, check):
    """Add one test method per case: test_<prefix>_<NN> calling check(self, *case)."""
    for number, case in enumerate(cases):
        case = case if isinstance(case, tuple) else (case,)

        def test(self, case=case):
            check(self, *case)

        test.__name__ = "test_%s_%02d" % (prefix, number)
        test.__qualname__ = "%s.%s" % (cls.__qualname__, test.__name__)
        test.__doc__ = "%s%r" % (prefix, case)
        setattr(cls, test.__name__, test)
    return cls


def lcg(seed):
    """A tiny deterministic pseudo-random digit stream (the same cases on every run)."""
    state = seed
    while True:
        state = (1103515245 * state + 12345) % (2 ** 31)
        yield state
