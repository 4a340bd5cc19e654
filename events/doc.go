// Package events is the deterministic discrete-event kernel of tngd.
package events
