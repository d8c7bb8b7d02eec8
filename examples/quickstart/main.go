// Command quickstart runs the seed's demo scenes on boxoffice.
package main

func main() {}
