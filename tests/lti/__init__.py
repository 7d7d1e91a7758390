"""LTI 1.3: the tool side's tests and the stand-in platform they launch from."""
