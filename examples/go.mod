module github.com/boxoffice-go/boxoffice/examples

go 1.26.0

replace (
	github.com/boxoffice-go/boxoffice => ../
	github.com/boxoffice-go/boxoffice/pgstore => ../pgstore
)
