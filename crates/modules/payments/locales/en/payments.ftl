# The payments module's messages (docs/PAYMENTS.md).
error-payment-amount = Enter an amount in whole New Taiwan dollars, from 1 to { $max }.
error-refund-too-much = A refund cannot be more than what is left of the payment: NT${ $left }.
error-invoice-carrier = This e-invoice carrier is not valid. A mobile barcode is / and 7 letters or digits; a citizen certificate barcode is 2 letters and 14 digits; a donation code is 3 to 7 digits.
