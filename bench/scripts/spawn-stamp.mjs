// Prints, as its very first line, the wall-clock time at which it started running JavaScript.
console.log(JSON.stringify({ spawned_at: performance.timeOrigin + performance.now() }));
