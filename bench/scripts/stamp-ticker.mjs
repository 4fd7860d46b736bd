// One metric line every `interval` ms, stamped with the wall-clock time it was printed.
const [epochs = '40', interval = '50'] = process.argv.slice(2);
let epoch = 0;
const timer = setInterval(() => {
  epoch++;
  console.log(JSON.stringify({ epoch, loss: 1 / epoch, printed_at: Date.now() }));
  if (epoch >= Number(epochs)) clearInterval(timer);
}, Number(interval));
