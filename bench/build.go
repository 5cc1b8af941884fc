package bench

import (
	"math/rand/v2"
	"runtime"
	"sync"

	rt "cgkalab/models/ratchettree"
	"cgkalab/models/suite"
)

// PrepareLeaves returns n signed key_package LeafNodes with distinct real
// HPKE and signature keys, leaf i drawn from its own seeded stream so the
// result is the same whatever the number of cores used to make it.
func PrepareLeaves(s *suite.Suite, n int, seed uint64) ([]*rt.LeafNode, error) {
	leaves := make([]*rt.LeafNode, n)
	errs := make([]error, n)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				leaves[i], errs[i] = prepareLeaf(s, seed, i)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return leaves, nil
}

func prepareLeaf(s *suite.Suite, seed uint64, i int) (*rt.LeafNode, error) {
	sb := seedBytes(seed)
	for k := range 8 {
		sb[8+k] = byte(uint64(i) >> (8 * k))
	}
	rng := rand.NewChaCha8(sb)
	ikm := make([]byte, s.Nh())
	rng.Read(ikm)
	hk, err := s.DeriveKeyPair(ikm)
	if err != nil {
		return nil, err
	}
	sk, err := s.GenerateSignatureKey(rng)
	if err != nil {
		return nil, err
	}
	n := &rt.LeafNode{
		EncryptionKey: hk.PublicKey(),
		SignatureKey:  sk.PublicKey(),
		Credential:    rt.Credential{Type: rt.CredentialBasic, Identity: []byte("member")},
		Capabilities:  &rt.Capabilities{Versions: []uint16{1}, CipherSuites: []uint16{uint16(s.ID)}, Credentials: []uint16{rt.CredentialBasic}},
		Source:        rt.SourceKeyPackage,
		Lifetime:      rt.Lifetime{NotBefore: 0, NotAfter: 1 << 62},
	}
	return n, n.Sign(s, sk, nil, 0)
}

// HeapInUse returns the live heap after a full collection.
func HeapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
