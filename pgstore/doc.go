// Package pgstore is a boxoffice.Store on PostgreSQL.
package pgstore
