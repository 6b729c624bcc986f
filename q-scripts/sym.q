/ Schema of the kdb+tick example tables, loaded by the tickerplant as tick/sym.q
/ (`q tick.q sym . -p 5010`, or `qtick tp sym . -p 5010`). Every table starts with
/ time (timespan) and sym; the tickerplant puts g# on sym itself.
quote:([]time:`timespan$();sym:`symbol$();bid:`float$();ask:`float$();bsize:`long$();asize:`long$();mode:`char$();ex:`char$())
trade:([]time:`timespan$();sym:`symbol$();price:`float$();size:`int$();side:`char$())
