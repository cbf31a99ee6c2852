module clerk-harness/services/go-seed

go 1.26

require github.com/golang-jwt/jwt/v5 v5.3.1
