package metrics

// Recorder accumulates a run's event rows and health samples in order.
type Recorder struct {
	events []Event
	health []Health
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{} }

// Add records one event.
func (r *Recorder) Add(e Event) { r.events = append(r.events, e) }

// AddHealth records one tree health sample.
func (r *Recorder) AddHealth(h Health) { r.health = append(r.health, h) }

// Events returns the recorded events.
func (r *Recorder) Events() []Event { return r.events }

// Health returns the recorded health samples.
func (r *Recorder) Health() []Health { return r.health }
