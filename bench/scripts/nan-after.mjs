// Trains "well" for a few epochs, then prints a NaN loss stamped with the wall-clock time it was
// printed, and keeps running (a diverged run burns its GPU until somebody stops it).
const [delayMs = '300'] = process.argv.slice(2);
console.log(JSON.stringify({ epoch: 1, loss: 0.9 }));
setTimeout(() => {
  console.log(`{"epoch": 2, "loss": NaN, "printed_at": ${Date.now()}}`);
}, Number(delayMs));
setInterval(() => {}, 1000);
