"""Two-factor codes for tests: the server accepts each time step once, so a test that signs in more than once
needs a later step each time."""
import time


def code_after(totp, last_step):
    """A code of a step later than `last_step` that the server accepts now (its step or the next, the allowed
    drift), waiting for the clock when both are used up. Returns (step, code)."""
    while True:
        now = int(time.time()) // 30
        for step in (now, now + 1):
            if step > last_step:
                return step, totp.at(step * 30)
        time.sleep(0.5)
