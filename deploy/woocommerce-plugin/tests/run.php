<?php
/**
 * Runs the plugin's unit tests: php tests/run.php (exit status 1 when a test fails).
 *
 * Every function named test_* in the tests/test-*.php files is a test; WordPress's state is
 * reset before each.
 *
 * @package Balas_WhatsApp
 */

require __DIR__ . '/bootstrap.php';
require __DIR__ . '/stub-http.php';
require BALAS_WHATSAPP_PLUGIN_DIR . '/balas-whatsapp.php';
foreach ( glob( __DIR__ . '/test-*.php' ) as $balas_test_file ) {
	require $balas_test_file;
}

/**
 * A failed expectation.
 */
final class Test_Failure extends Exception {
}

function assert_same( $expected, $actual, string $what = '' ): void {
	if ( $expected !== $actual ) {
		throw new Test_Failure( sprintf( "%s\n      expected %s\n      actual   %s", $what, var_export( $expected, true ), var_export( $actual, true ) ) );
	}
}

function assert_contains( string $needle, string $haystack, string $what = '' ): void {
	if ( false === strpos( $haystack, $needle ) ) {
		throw new Test_Failure( sprintf( "%s\n      %s not in %s", $what, var_export( $needle, true ), var_export( $haystack, true ) ) );
	}
}

function assert_not_contains( string $needle, string $haystack, string $what = '' ): void {
	if ( false !== strpos( $haystack, $needle ) ) {
		throw new Test_Failure( sprintf( "%s\n      %s found in %s", $what, var_export( $needle, true ), var_export( $haystack, true ) ) );
	}
}

/** The codes of the settings notices shown so far. */
function notice_codes(): array {
	return array_column( WP_Stub::$settings_errors, 'code' );
}

/** The WP-Cron events scheduled so far, without their times. */
function cron_events(): array {
	return array_map(
		function ( $event ) {
			return array(
				'hook' => $event['hook'],
				'args' => $event['args'],
			);
		},
		WP_Stub::$cron
	);
}

$balas_tests = array_filter(
	get_defined_functions()['user'],
	function ( $name ) {
		return 0 === strpos( $name, 'test_' );
	}
);
$balas_failed = 0;
foreach ( $balas_tests as $balas_test ) {
	WP_Stub::reset();
	try {
		$balas_test();
		echo "ok   $balas_test\n";
	} catch ( Throwable $error ) {
		++$balas_failed;
		// A failed assertion points at the test line that made it, anything else at where it was thrown.
		$balas_where = $error instanceof Test_Failure ? $error->getTrace()[0] : array(
			'file' => $error->getFile(),
			'line' => $error->getLine(),
		);
		printf( "FAIL %s: %s\n      at %s:%d\n", $balas_test, $error->getMessage(), $balas_where['file'], $balas_where['line'] );
	}
}
printf( "%d tests, %d failed\n", count( $balas_tests ), $balas_failed );
exit( 0 === $balas_failed && count( $balas_tests ) > 0 ? 0 : 1 );
