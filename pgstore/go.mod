module github.com/boxoffice-go/boxoffice/pgstore

go 1.26.0

replace github.com/boxoffice-go/boxoffice => ../
