-- The ID of the optimistic commit that last wrote a show's inventory: a
-- random ID the committing Store chose for that one statement (see
-- optimisticCommit in queries.go). Should the connection be lost before
-- the statement's answer comes, the Store reads it back to learn whether
-- the statement committed: the version alone does not tell, since the
-- commit of another process could have moved the show to the same
-- version. Transactions under the lock leave it as it is.
--
-- A nullable column without a default: adding it rewrites no row.

ALTER TABLE show_seats ADD COLUMN writer uuid;
