package boxoffice

import (
	"context"
	"time"
)

// SeatMap is a show's seats as a customer sees them at one instant.
type SeatMap struct {
	Show   Show
	At     time.Time // the Clock's time the map was read at
	Layout *Layout
	Seats  []SeatView // in Layout order
	Free   int        // seats for sale: available, unless the show is cancelled
	// Cancelled: the show was cancelled (CancelShow). No seat is for sale
	// (Free is 0), though every seat shows as available: nobody holds or
	// owns one any more.
	Cancelled bool
}

// SeatView is one seat of a [SeatMap].
type SeatView struct {
	Seat
	Status SeatStatus // a lapsed hold shows as available
	Price  Money      // what the seat costs under the current pricing strategy
}

// SeatMap returns every seat of the show with its type, status and price.
// Prices are quoted by the current pricing strategy for an anonymous
// customer (UserID ""); a hold fixes the price for the customer. A price
// that [BookingSystem.HoldSeats] would refuse (negative or above
// [MaxSeatPrice]) fails the map with the same [*ArgumentError], naming the
// seat, rather than being quoted. A show cancelled
// ([BookingSystem.CancelShow]) has [SeatMap.Cancelled] set and nothing for
// sale. An unknown show is [ErrNotFound].
func (bs *BookingSystem) SeatMap(ctx context.Context, showID string) (SeatMap, error) {
	if err := bs.made(); err != nil {
		return SeatMap{}, err
	}
	e, err := bs.entry(ctx, showID)
	if err != nil {
		return SeatMap{}, err
	}
	m := SeatMap{Show: e.show, Layout: e.layout, Seats: make([]SeatView, e.layout.Len())}
	pricing := bs.pricing.Load()
	byType := e.typePrices(pricing) // as HoldSeats prices: no call per seat
	var loc *time.Location
	if byType == nil {
		if loc, err = e.location(&bs.zones); err != nil {
			return SeatMap{}, err
		}
	}
	for i := range m.Seats {
		seat := e.layout.Seat(i)
		var price Money
		if byType != nil {
			price = byType.price[seat.Type]
		} else if price, err = priceSeat(ctx, pricing.PricingStrategy, PriceRequest{Show: e.show, Seat: seat, Location: loc}); err != nil {
			return SeatMap{}, err
		} else if err = checkSeatPrice(seat.ID, price); err != nil {
			return SeatMap{}, err // a price no hold may fix is no quote
		}
		m.Seats[i] = SeatView{Seat: seat, Price: price}
	}
	err = bs.store.ViewShow(ctx, showID, func(tx ShowTx) error {
		m.At = storedTime(bs.clock.Now()) // as a commit's time: a change after the map is not dated before it
		m.Free = 0
		m.Cancelled = tx.ShowCancelled()
		seats := newSeatReader(tx, m.At)
		for i := range m.Seats {
			st := seats.statusAt(i)
			m.Seats[i].Status = st
			if st == SeatAvailable && !m.Cancelled {
				m.Free++
			}
		}
		return nil
	})
	if err != nil {
		return SeatMap{}, err
	}
	return m, nil
}
