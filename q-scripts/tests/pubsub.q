/ pubsub.q: checks a running kdb+tick tickerplant (tick.q, or qtick tp) from a client.
/   q q-scripts/tests/pubsub.q [host:]port [batch]
/ Run it from the tickerplant's working directory (it replays the tickerplant's log
/ locally, as r.q does). Pass `batch` when the tickerplant runs with -t.
/ Subscribes as r.q does, publishes every shape a feed sends, and checks what arrives,
/ what the log holds, symbol filters, .u.sub/.u.add/.z.pc bookkeeping and refused
/ updates. Prints "pubsub.q: N passed, M failed" and exits with status M (0: all passed).

PASS:0;FAIL:0
check:{[name;ok] $[ok;PASS::PASS+1;[FAIL::FAIL+1;-1"FAIL: ",name]];}
addr:`$":",$[count .z.x;.z.x 0;"localhost:5010"]
batch:$[1<count .z.x;"batch"~.z.x 1;0b]
wait:{t:.z.P+x;while[.z.P<t;]}

tp:hopen addr                           / this subscriber
fd:hopen addr                           / the feed
/ everything the feed sent has been logged and published to us: the feed's own
/ round trip, one timer period more in batch mode, then our round trip
ms:tp"system\"t\""
settle:{fd"0";if[batch;wait 0D00:00:00.001*3*ms];tp"0"}

/ ---- subscribe and replay as r.q does --------------------------------------------
gsub:-1                                 / the symbol-filtered subscriber's handle, set below
G:()                                    / what it received
upd:{[t;x] $[.z.w=gsub;G::G,enlist(t;x);t insert x]}
r:tp"(.u.sub[`;`];`.u `i`L)"
check["bootstrap answers (schemas;(i;L))";2=count r]
check["one (name;schema) pair per table, in .u.t order";(tp".u.t")~r[0;;0]]
check["schemas come empty";all 0=count each r[0;;1]]
check["schemas lead with time and sym";all{`time`sym~2#cols x}each r[0;;1]]
check[".u.i is a long";-7h=type r[1;0]]
check[".u.L is a file symbol";":"=first string r[1;1]]
{x set y}'[r[0;;0];r[0;;1]]
n:r[1;0];L:r[1;1]
check["replay of the first .u.i log chunks";n=-11!(n;L)]
c0:count trade;q0:count quote

/ ---- publish every shape a feed sends --------------------------------------------
i0:tp".u.i"
fd(".u.upd";`trade;(`IBM;10.5;100i;"B"))                       / sync, name as string, one row
neg[fd](".u.upd";`trade;(`MSFT;20.5;200i;"S"))                 / async
neg[fd](`.u.upd;`trade;(`AAPL`IBM;1 2f;10 20i;"BS"))           / name as symbol, columns
fd".u.upd[`trade;(`GOOG;3f;30i;\"B\")]"                        / q source text
neg[fd](".u.upd";`trade;(0D12:00:00.000000001;`AMZN;4f;40i;"S"))  / the feed's own time
neg[fd](".u.upd";`quote;(`IBM`MSFT;1 2f;1.1 2.1;10 20;30 40;"AB";"NN"))
settle[]
check["six trade rows arrived";6=count[trade]-c0]
check["two quote rows arrived";2=count[quote]-q0]
new:c0 _ trade
check["rows arrive in publish order";(`IBM`MSFT`AAPL`IBM`GOOG`AMZN)~new`sym]
check["a feed's own time column is kept";0D12:00:00.000000001=last new`time]
check["a missing time column is stamped";all not null new`time]
check["one stamp per message";(new[`time]2)=new[`time]3]
check["values as sent";(10.5 20.5 1 2 3 4f)~new`price]
check[".u.i counts the six messages";(i0+6)=tp".u.i"]
check["the log holds .u.i chunks";(tp".u.i")=-11!(-2;L)]

/ ---- symbol filters --------------------------------------------------------------
gsub:hopen addr
gsub".u.sub[`trade;`IBM`MSFT]"
neg[fd](".u.upd";`trade;(`IBM`AAPL`MSFT`GOOG;1 2 3 4f;1 2 3 4i;"BSBS"))
neg[fd](".u.upd";`trade;(`AAPL;5f;5i;"B"))                     / nothing for the filter
settle[];gsub"0"
check["the filtered subscriber gets one message";1=count G]
check["... with only its symbols";(`IBM`MSFT)~G[0;1]`sym]
check["... as a table";98h=type G[0;1]]
check["the unfiltered subscriber gets everything";(`IBM`AAPL`MSFT`GOOG`AAPL)~-5#trade`sym]

/ ---- .u.sub replaces, .u.add merges, .z.pc forgets -------------------------------
x:hopen addr
hx:x".z.w"
entry:{[t;h] x:(tp".u.w")t;first x[where h=x[;0]]}
x".u.sub[`trade;`IBM]"
x".u.sub[`trade;`MSFT]"
check[".u.sub replaces";`MSFT~last entry[`trade;hx]]
x".u.add[`trade;`GOOG]"
check[".u.add merges with union";`MSFT`GOOG~last entry[`trade;hx]]
e:@[x;".u.sub[`nosuch;`]";{x}]
check["an unknown table is an error naming it";"nosuch"~e]
w0:count tp".u.w`trade"
hclose x
k:0;while[(w0=count tp".u.w`trade")&k<200;wait 0D00:00:00.01;k+:1]
check[".z.pc drops a closed handle's subscriptions";(w0-1)=count tp".u.w`trade"]

/ ---- refused updates change nothing ----------------------------------------------
i1:tp".u.i";c1:count trade
e1:@[fd;(".u.upd";`trade;(`IBM;1.5));{x}]
e2:@[fd;(".u.upd";`nosuch;(`IBM;1.5;100i;"B"));{x}]
e3:@[fd;(".u.upd";`trade;42);{x}]
check["too few columns is an error";10h=type e1]
check["an unknown table is an error";"nosuch"~e2]
check["an atom is an error";10h=type e3]
settle[]
check["refused updates are not logged";i1=tp".u.i"]
check["refused updates are not published";c1=count trade]
check["the log still matches .u.i";(tp".u.i")=-11!(-2;L)]

-1"pubsub.q: ",string[PASS]," passed, ",string[FAIL]," failed";
exit FAIL
