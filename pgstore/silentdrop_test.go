package pgstore_test

import (
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice-go/boxoffice/pgstore"
)

// dropProxy is a TCP proxy whose dropSilently forgets every connection it
// carries, as a NAT gateway, firewall or load balancer does when it drops
// an idle flow: the server's side is closed (the backend ends), the
// client's side stays open and hears nothing more. New connections pass
// as before.
type dropProxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	pairs   [][2]net.Conn // client, server
	dropped map[net.Conn]bool
	wg      sync.WaitGroup
}

func newDropProxy(t *testing.T, target string) *dropProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	p := &dropProxy{ln: ln, target: target, dropped: map[net.Conn]bool{}}
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		for _, c := range p.pairs {
			_ = c[0].Close()
			_ = c[1].Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *dropProxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		p.mu.Lock()
		p.pairs = append(p.pairs, [2]net.Conn{client, server})
		p.mu.Unlock()
		p.wg.Go(func() { p.pipe(server, client) })
		p.wg.Go(func() { p.pipe(client, server) })
	}
}

// pipe copies src to dst; when src ends, it closes both unless the flow
// was dropped silently (then the client's side is left hanging).
func (p *dropProxy) pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	p.mu.Lock()
	silent := p.dropped[dst] || p.dropped[src]
	p.mu.Unlock()
	if !silent {
		_ = dst.Close()
		_ = src.Close()
	}
}

func (p *dropProxy) dropSilently() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.pairs {
		p.dropped[c[0]], p.dropped[c[1]] = true, true
		_ = c[1].Close() // the server's side only
	}
}

// A listening connection that the network drops without a word (no FIN,
// no RST) is found deaf by the heartbeat within two ShowChangeChecks, and
// replaced: commits are reported by their shows again, not only by the
// periodic changed("").
func TestListenerReconnectsAfterASilentDrop(t *testing.T) {
	testPool(t)
	poolA := ownPool(t, 4)
	cfg, err := pgxpool.ParseConfig(testDatabaseURL())
	must(t, err)
	proxy := newDropProxy(t, net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port))))
	host, port, err := net.SplitHostPort(proxy.ln.Addr().String())
	must(t, err)
	pn, err := strconv.Atoi(port)
	must(t, err)
	cfg.ConnConfig.Host, cfg.ConnConfig.Port = host, uint16(pn)
	cfg.ConnConfig.TLSConfig, cfg.ConnConfig.Fallbacks = nil, nil
	cfg.MaxConns = 4
	poolB, err := pgxpool.NewWithConfig(t.Context(), cfg)
	must(t, err)
	t.Cleanup(poolB.Close)

	schema := newSchema(t, poolA)
	a, err := pgstore.New(poolA, pgstore.Options{Schema: schema})
	must(t, err)
	b, err := pgstore.New(poolB, pgstore.Options{Schema: schema, ShowChangeCheck: 200 * time.Millisecond})
	must(t, err)
	show := addShows(t, a, 1)[0]
	r := listen(t, b)
	hold(t, a, show, 0)
	r.waitCount(t, show, 1) // the feed works

	proxy.dropSilently()
	waitUntil(t, "the listening backend to end", func() bool { return len(listeners(t, testPool(t), b)) == 0 })
	deadline := time.Now().Add(10 * time.Second)
	for seat := 1; r.count(show) < 2; seat++ {
		if time.Now().After(deadline) {
			t.Fatalf("10 s after its connection was dropped, the listener hears no commit (%d backends listen; reported %q)",
				len(listeners(t, testPool(t), b)), r.reported()[:min(len(r.reported()), 10)])
		}
		hold(t, a, show, seat%40)
		time.Sleep(100 * time.Millisecond) // commits keep coming, as in a cinema's evening
	}
}
