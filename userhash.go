package boxoffice

import "math/bits"

// userHash is the hash of a user ID that picks its shard of the user
// index. It reads the ID eight bytes at a time, one multiply a word
// (wyhash's mix), where FNV-1a, which it replaces, took one a byte: a
// real service's user IDs are 20 to 40 bytes (a UUID, or "auth0|" and 24
// hex digits), on which FNV cost some 190 instructions a hold and this
// about 60 (BenchmarkHoldReleaseLongUserID); on a 6-byte ID it costs 40
// to FNV's 52. maphash would cost some 60 on any ID, through its calls.
// The seed is the store's own, so which IDs share a shard differs from
// store to store. Nothing rests on this being a strong hash but its
// spread (TestUserShardsSpread): the shards only spread lock contention,
// and the maps in them have the runtime's own seeded hash.
func userHash(seed uint64, s string) uint64 {
	const (
		k0 = 0xa0761d6478bd642f // wyhash's primes
		k1 = 0xe7037ed1a0b428db
	)
	n := len(s)
	h := seed ^ uint64(n)*k0
	var w uint64
	switch {
	case n > 8:
		for t := s; len(t) > 8; t = t[8:] {
			h = mix64(h^le64(t), k1)
		}
		w = le64(s[n-8:]) // overlaps the last word read unless n%8 == 0
	case n >= 4:
		w = uint64(le32(s))<<32 | uint64(le32(s[n-4:]))
	case n > 0:
		w = uint64(s[0])<<16 | uint64(s[n>>1])<<8 | uint64(s[n-1])
	}
	// A second mix: after one, the low bits (the shard) of the IDs of up
	// to 3 bytes followed their value too closely to spread evenly.
	return mix64(mix64(h^w, k1)^k0, k1)
}

// mix64 folds the 128-bit product of x and k.
func mix64(x, k uint64) uint64 {
	hi, lo := bits.Mul64(x, k)
	return hi ^ lo
}
