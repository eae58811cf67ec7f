package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/goccy/go-json"

	"github.com/symbolicate/symbolicate"
	"github.com/symbolicate/symbolicate/resolve"
)

// Jobs is a durable queue the service hands asynchronous work to (POST
// /v1/jobs, GET /v1/jobs/{id}); "symbolicate serve --queue" gives it one on
// NATS JetStream.
type Jobs interface {
	// Submit queues a document and returns its job ID.
	Submit(ctx context.Context, name string, data []byte, json bool, opts resolve.Options) (string, error)
	// Status returns the job's result when it is done (done false while it
	// waits), or ErrUnknownJob.
	Status(ctx context.Context, id string) (env *Envelope, done bool, err error)
}

// ErrUnknownJob is the Status error for an ID never submitted.
var ErrUnknownJob = errors.New("no such job")

// JobStatus is the answer of POST /v1/jobs and of GET /v1/jobs/{id} while
// the job waits.
type JobStatus struct {
	ID     string `json:"id"`
	Status string `json:"status"` // "queued" or "done"
}

func (s *Server) handleSubmitJob(w http.ResponseWriter, r *http.Request, eng *symbolicate.Engine) {
	if s.opts.Jobs == nil {
		httpError(w, http.StatusNotFound, "this server has no job queue (start it with --queue)")
		return
	}
	opts, err := options(r)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	form := r.URL.Query().Get("format")
	if form != "" && form != "text" && form != "json" {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("query parameter format=%q: want text or json", form))
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "job"
	}
	id, err := s.opts.Jobs.Submit(r.Context(), name, body, form == "json", opts)
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, "queueing the job: "+err.Error())
		return
	}
	w.Header().Set("Location", "/v1/jobs/"+id)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(JobStatus{ID: id, Status: "queued"})
}

func (s *Server) handleJob(w http.ResponseWriter, r *http.Request) {
	if s.opts.Jobs == nil {
		httpError(w, http.StatusNotFound, "this server has no job queue (start it with --queue)")
		return
	}
	id := r.PathValue("id")
	env, done, err := s.opts.Jobs.Status(r.Context(), id)
	switch {
	case errors.Is(err, ErrUnknownJob):
		httpError(w, http.StatusNotFound, "no job "+id)
		return
	case err != nil:
		httpError(w, http.StatusServiceUnavailable, "reading the job: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if !done {
		w.WriteHeader(http.StatusAccepted)
		json.NewEncoder(w).Encode(JobStatus{ID: id, Status: "queued"})
		return
	}
	summaryHeaders(w.Header(), &env.Summary)
	json.NewEncoder(w).Encode(env)
}
