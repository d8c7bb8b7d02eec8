module github.com/boxoffice-go/boxoffice

go 1.26.0

require (
	github.com/google/uuid v1.6.0
	golang.org/x/time v0.16.0
	pgregory.net/rapid v1.3.0
)
