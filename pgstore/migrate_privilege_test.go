package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// TestMigrateUpToDateNeedsNoCreatePrivilege: in a least-privilege
// deployment an administrator creates and migrates the schema, and the
// application's role, with no CREATE privilege on the database (nor, when
// it does not own the schema, on the schema), runs Migrate at every
// start. With nothing to do, Migrate must succeed: CREATE ... IF NOT
// EXISTS would check the privilege to create before finding the object
// there.
func TestMigrateUpToDateNeedsNoCreatePrivilege(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		grants []string // {schema} and {role} filled in
	}{
		{"owns the schema", []string{
			"ALTER SCHEMA {schema} OWNER TO {role}",
			"GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {role}",
		}},
		{"uses the schema", []string{
			"GRANT USAGE ON SCHEMA {schema} TO {role}",
			"GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {role}",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			admin := testPool(t)
			ctx := t.Context()
			schema := newSchema(t, admin) // created and migrated by the administrator
			var b [4]byte
			_, _ = rand.Read(b[:])
			role := "pgstore_test_app_" + hex.EncodeToString(b[:])
			t.Cleanup(func() {
				c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_, _ = admin.Exec(c, "REASSIGN OWNED BY "+quote(role)+" TO CURRENT_USER")
				_, _ = admin.Exec(c, "DROP OWNED BY "+quote(role))
				_, _ = admin.Exec(c, "DROP ROLE "+quote(role))
			})
			for _, stmt := range append([]string{"CREATE ROLE {role} LOGIN"}, tc.grants...) {
				stmt = strings.NewReplacer("{schema}", quote(schema), "{role}", quote(role)).Replace(stmt)
				if _, err := admin.Exec(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			u, err := url.Parse(testDatabaseURL())
			must(t, err)
			u.User = url.User(role)
			app, err := openPool(u.String(), 2)
			must(t, err)
			t.Cleanup(app.Close)

			if err := pgstore.Migrate(ctx, app, pgstore.Options{Schema: schema}); err != nil {
				t.Errorf("Migrate of an up-to-date schema by a role that cannot create: %v; want nil (nothing to do)", err)
			}
			store, err := pgstore.New(app, pgstore.Options{Schema: schema})
			must(t, err)
			must(t, store.AddTheater(ctx, boxoffice.Theater{ID: "t"})) // and the role can use the schema
			must(t, store.AdmitHold(ctx, boxoffice.HoldAdmission{UserID: "u", Hold: boxoffice.BookingID{15: 1},
				Now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), HoldsPerMinute: 3})) // the per-user limits' table too
		})
	}
}
