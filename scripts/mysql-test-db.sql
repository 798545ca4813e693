-- Idempotent: the test database and its user on the local MariaDB/MySQL (run as root over the socket).
CREATE DATABASE IF NOT EXISTS fuel_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'fuel_test'@'127.0.0.1' IDENTIFIED BY 'fuel_test';
CREATE USER IF NOT EXISTS 'fuel_test'@'localhost' IDENTIFIED BY 'fuel_test';
GRANT ALL PRIVILEGES ON fuel_test.* TO 'fuel_test'@'127.0.0.1';
GRANT ALL PRIVILEGES ON fuel_test.* TO 'fuel_test'@'localhost';
FLUSH PRIVILEGES;
-- the benchmarks' own database (make bench-*), never the tests'
CREATE DATABASE IF NOT EXISTS fuel_bench CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
GRANT ALL PRIVILEGES ON fuel_bench.* TO 'fuel_test'@'127.0.0.1';
GRANT ALL PRIVILEGES ON fuel_bench.* TO 'fuel_test'@'localhost';
FLUSH PRIVILEGES;
CREATE DATABASE IF NOT EXISTS fuel_bench_ingest CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
GRANT ALL PRIVILEGES ON fuel_bench_ingest.* TO 'fuel_test'@'127.0.0.1';
GRANT ALL PRIVILEGES ON fuel_bench_ingest.* TO 'fuel_test'@'localhost';
FLUSH PRIVILEGES;
CREATE DATABASE IF NOT EXISTS fuel_bench_fleet CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
GRANT ALL PRIVILEGES ON fuel_bench_fleet.* TO 'fuel_test'@'127.0.0.1';
GRANT ALL PRIVILEGES ON fuel_bench_fleet.* TO 'fuel_test'@'localhost';
FLUSH PRIVILEGES;
