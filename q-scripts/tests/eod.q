/ eod.q: checks a running kdb+tick tickerplant's end of day from a client.
/   q q-scripts/tests/eod.q [host:]port [batch]
/ Run it from the tickerplant's working directory. It calls .u.endofday[] as a feed may,
/ so the tickerplant moves on to the next date: use a tickerplant started for testing.
/ Checks that every subscriber gets .u.end once with the old date after the old day's
/ updates, that .u.d moves on one day, that a new log named for the new date is opened
/ and that later updates go to it. Prints "eod.q: N passed, M failed" and exits with M.

PASS:0;FAIL:0
check:{[name;ok] $[ok;PASS::PASS+1;[FAIL::FAIL+1;-1"FAIL: ",name]];}
addr:`$":",$[count .z.x;.z.x 0;"localhost:5010"]
batch:$[1<count .z.x;"batch"~.z.x 1;0b]
wait:{t:.z.P+x;while[.z.P<t;]}

tp:hopen addr
fd:hopen addr
ms:tp"system\"t\""
settle:{fd"0";if[batch;wait 0D00:00:00.001*3*ms];tp"0"}

/ what arrives, in order: (`upd;table) or (`end;date)
got:()
upd:{[t;x] got::got,enlist(`upd;t)}
.u.end:{got::got,enlist(`end;x)}
tp".u.sub[`;`]"

d0:tp".u.d";L0:tp".u.L";i0:tp".u.i"
neg[fd](".u.upd";`trade;(`IBM;1f;1i;"B"))
settle[]
n0:-11!(-2;L0)
fd".u.endofday[]"
settle[]
check["the old day's update arrives first";(`upd;`trade)~first got]
check[".u.end arrives once, with the old date";enlist[(`end;d0)]~got[where `end=got[;0]]]
check[".u.end comes after the old day's updates";`end=last[got]0]
check[".u.d moves on one day";(d0+1)=tp".u.d"]
L1:tp".u.L"
check["a new log is opened";not L0~L1]
check["the new log is named for the new date";(-10#string L1)~string d0+1]
check["the new log sits beside the old one";(-10_string L0)~-10_string L1]
check[".u.i counts the new log";(tp".u.i")=-11!(-2;L1)]
check["the old log keeps its messages";n0=-11!(-2;L0)]

i1:tp".u.i"
neg[fd](".u.upd";`trade;(`MSFT;2f;2i;"S"))
settle[]
check["updates after the roll go to the new log";(i1+1)=-11!(-2;L1)]
check["... and are counted by .u.i";(i1+1)=tp".u.i"]
check["... not to the old one";n0=-11!(-2;L0)]
check["... and are published";(`upd;`trade)~last got]

-1"eod.q: ",string[PASS]," passed, ",string[FAIL]," failed";
exit FAIL
