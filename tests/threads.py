"""The thread-safety tests' harness: one function run by several threads at once, each thread's exception kept."""
import threading


def run_in_threads(work, n: int = 4) -> list:
    """Run ``work(k)`` for k in range(n), each in its own thread, all at once; the exceptions they raised."""
    errors: list = []

    def guarded(k):
        try:
            work(k)
        except Exception as e:  # noqa: BLE001 - handed back to the test, which fails on it
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
