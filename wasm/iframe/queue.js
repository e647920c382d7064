// One promise queue: every request runs after the one before it has finished (its
// confirmation, its server calls and its storage writes included), so no two operations
// ever interleave inside the wallet.

/** A function that runs `task()` after every task given to it before, in order. */
export function serialQueue() {
  let tail = Promise.resolve();
  return (task) => {
    const run = tail.then(() => task());
    tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
}
