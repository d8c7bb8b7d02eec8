package boxoffice_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// declinedBooking is a booking whose card was declined, as a Store returns
// it.
func declinedBooking() boxoffice.Booking {
	id, _ := boxoffice.ParseBookingID("0b8f3c2e-5d1a-4c6b-9e7f-2a4d6c8e0f13")
	at := time.Date(2031, 1, 1, 18, 0, 0, 0, time.UTC)
	return boxoffice.Booking{
		ID: id, UserID: "ann", ShowID: "rex-2031-01-01-20",
		Seats: []boxoffice.BookingSeat{
			{ID: "C4", Type: boxoffice.Premium, Price: 1300},
			{ID: "C5", Type: boxoffice.Premium, Price: 1300},
		},
		Total: 2600, Status: boxoffice.StatusFailed,
		CreatedAt: at, HeldUntil: at.Add(10 * time.Minute), UpdatedAt: at.Add(time.Minute),
		Payment: boxoffice.Payment{Method: "card:tok", Attempts: 1, Failure: "insufficient funds",
			FailureKind: boxoffice.FailureDeclined},
	}
}

// A Booking encodes to JSON with its enumerated fields by name — the
// status, each seat's type, the payment's failure kind — as String writes
// them, and decodes back. The library's types carry no JSON tags: a
// service with an API of its own (field names, money in cents) maps them,
// as examples/server does.
func ExampleBooking_json() {
	b := declinedBooking()
	out, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))

	var back boxoffice.Booking
	if err := json.Unmarshal(out, &back); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back.Status, back.Seats[0].Type, back.Payment.FailureKind)
	// Output:
	// {
	//   "ID": "0b8f3c2e-5d1a-4c6b-9e7f-2a4d6c8e0f13",
	//   "UserID": "ann",
	//   "ShowID": "rex-2031-01-01-20",
	//   "Seats": [
	//     {
	//       "ID": "C4",
	//       "Type": "Premium",
	//       "Price": 1300
	//     },
	//     {
	//       "ID": "C5",
	//       "Type": "Premium",
	//       "Price": 1300
	//     }
	//   ],
	//   "Total": 2600,
	//   "Status": "failed",
	//   "CreatedAt": "2031-01-01T18:00:00Z",
	//   "HeldUntil": "2031-01-01T18:10:00Z",
	//   "Extensions": 0,
	//   "Payment": {
	//     "Method": "card:tok",
	//     "Amount": 0,
	//     "Reference": "",
	//     "Attempts": 1,
	//     "PaidAt": "0001-01-01T00:00:00Z",
	//     "Failure": "insufficient funds",
	//     "FailureKind": "declined",
	//     "LiveUntil": "0001-01-01T00:00:00Z"
	//   },
	//   "Refund": {
	//     "Amount": 0,
	//     "Percent": 0,
	//     "Reference": "",
	//     "RefundedAt": "0001-01-01T00:00:00Z",
	//     "Reason": ""
	//   },
	//   "UpdatedAt": "2031-01-01T18:01:00Z"
	// }
	// failed Premium declined
}
