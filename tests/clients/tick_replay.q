/ tick_replay.q N LOG: replay the first N chunks of a tick log as r.q does (-11!(N;LOG);
/ N = -1 replays every chunk), printing one line per update: the table, then the
/ sequence numbers the test feed put in trade.size / quote.bsize. Last line: the count.
upd:{[t;x] s:(),x $[t=`trade;3;4]; -1 string[t]," ",(" " sv string s);}
n:"J"$.z.x 0
L:`$.z.x 1
-1 "count ",string -11!(n;L);
exit 0
