package main

import (
	"embed"
	"io/fs"
	"net/http"
)

// webFiles is the page: plain HTML, CSS and JavaScript, served as they are
// (no build step).
//
//go:embed web
var webFiles embed.FS

// webFS returns the page's files rooted at web/.
func webFS() fs.FS {
	sub, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // "web" is a valid path by construction; this cannot happen
	}
	return sub
}

// page serves the page's files. The browser revalidates them on every load
// (they are small, and a new binary must not meet a stale script).
func (s *server) page() http.Handler {
	files := http.FileServerFS(s.web)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
