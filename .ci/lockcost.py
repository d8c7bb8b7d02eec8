#!/usr/bin/env python3
"""Inclusive instructions per op of Go functions, rebuilt from two callgrind
profiles (the 2000x and 8000x runs of BENCHMARKS.md's method).

callgrind's own inclusive costs break on Go's stack switches (missed returns
leave arcs carrying millions); self costs and call counts are exact, so the
cost of a function per call is rebuilt as its self cost plus its callees',
over its calls, from the differences 8000x - 2000x divided by 6000. Arcs
called less than 0.02 times an op are dropped (one-off growths).

usage: lockcost.py cg.X.2000 cg.X.8000 'ROOT' ... (ROOT as
'(*BookingSystem).runHold', package boxoffice implied; DEPTH=n env for the tree)
"""
def norm(s): return re.sub(r"'\d+$","",s)
import re,subprocess,sys,collections,functools
def norm(s): return re.sub(r"'\d+$","",s)
def load(f):
    selfc=collections.defaultdict(int); arcs=collections.defaultdict(lambda: collections.defaultdict(int)); calls=collections.defaultdict(int)
    out=subprocess.run(['callgrind_annotate','--inclusive=no','--threshold=100',f],capture_output=True,text=True).stdout
    tot=None
    for line in out.splitlines():
        m=re.match(r'\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+?):(\S+)(\s+\[|$)',line)
        if m: selfc[norm(m.group(3))]+=int(m.group(1).replace(',',''))
        m=re.match(r'\s*([\d,]+) \(.*PROGRAM TOTALS',line)
        if m: tot=int(m.group(1).replace(',',''))
    out=subprocess.run(['callgrind_annotate','--inclusive=yes','--tree=calling','--threshold=100',f],capture_output=True,text=True).stdout
    cur=None
    for line in out.splitlines():
        m=re.match(r'\s*([\d,]+) \(\s*[\d.]+%\)\s+\*\s+(\S+?):(\S+)(\s+\[|$)',line)
        if m: cur=norm(m.group(3)); continue
        m=re.match(r'\s*([\d,]+) \(\s*[\d.]+%\)\s+>\s+(\S+?):(\S+) \(([\d,]+)x\)',line)
        if m and cur:
            g=norm(m.group(3)); c=int(m.group(4).replace(',',''))
            arcs[cur][g]+=c; calls[g]+=c
    return selfc,arcs,calls,tot
A=load(sys.argv[1]); B=load(sys.argv[2]); N=6000.0
self_=collections.defaultdict(float); arcs=collections.defaultdict(dict); calls=collections.defaultdict(float)
for k in set(A[0])|set(B[0]): self_[k]=(B[0].get(k,0)-A[0].get(k,0))/N
for f in set(A[1])|set(B[1]):
    for g in set(A[1].get(f,{}))|set(B[1].get(f,{})):
        c=(B[1].get(f,{}).get(g,0)-A[1].get(f,{}).get(g,0))/N
        if c>=0.02: arcs[f][g]=c
for f in arcs:
    for g,c in arcs[f].items(): calls[g]+=c
print('total/op %.1f'%((B[3]-A[3])/N))
stack=set()
@functools.lru_cache(None)
def percall(g):
    if g in stack: return 0.0
    stack.add(g)
    c=calls.get(g,0)
    tot=self_.get(g,0)+sum(cc*percall(h) for h,cc in arcs.get(g,{}).items())
    stack.discard(g)
    return tot/c if c>0 else 0.0
def incl(f): return self_.get(f,0)+sum(cc*percall(h) for h,cc in arcs.get(f,{}).items())
def show(f,depth,maxd,minv=3):
    for h,cc in sorted(arcs.get(f,{}).items(), key=lambda x:-x[1]*percall(x[0])):
        v=cc*percall(h)
        if v>=minv:
            print('  '*depth+'%8.1f  %5.2fx  %s'%(v,cc,h))
            if depth<maxd: show(h,depth+1,maxd,minv)
P='github.com/boxoffice-go/boxoffice.'
for root in sys.argv[3:]:
    f=root if '.' in root and root.startswith(('sync','runtime','github')) else P+root
    print('%8.1f  self %.1f  %s'%(incl(f),self_.get(f,0),f)); show(f,1,int(__import__("os").environ.get("DEPTH","6")),1)
