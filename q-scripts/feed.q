/ feed.q: a feedhandler for kdb+tick, in standard q.
/   q feed.q [host:]port [-t ms] [-n rows]
/ Opens the tickerplant and on every timer tick (default 1000 ms) publishes n generated
/ trades and n quotes (default 10 each) asynchronously with .u.upd, leaving the time
/ column for the tickerplant to stamp. Prices follow a random walk per symbol, drawn
/ from a linear congruential generator so every run publishes the same data.

addr:`$":",$[count .z.x;first .z.x;"localhost:5010"]
n:$[(i:.z.x?"-n")<count .z.x;"J"$.z.x i+1;10]
h:hopen addr

syms:`AAPL`MSFT`IBM`GOOG`AMZN
px:150 300 140 2800 3300f
seed:42
/ x uniform draws in [0,1)
draw:{[x] {seed::(1103515245*seed+12345) mod 2147483648;seed%2147483648} each til x}

pub:{[n]
  i:floor 5*draw n;
  px::px*1+0.001*(draw 5)-0.5;
  p:px i;
  neg[h](".u.upd";`trade;(syms i;p;`int$1+floor 1000*draw n;"BS" floor 2*draw n));
  s:0.01*1+floor 5*draw n;
  neg[h](".u.upd";`quote;(syms i;p-s;p+s;`long$1+floor 100*draw n;`long$1+floor 100*draw n;n#"R";n#"N"));
  }

.z.ts:{pub n}
if[not system"t";system"t 1000"]
