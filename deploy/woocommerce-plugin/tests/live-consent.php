<?php
/**
 * Runs a classic checkout's consent, from the posted form to Balas, outside WordPress:
 *
 *     php tests/live-consent.php BALAS_URL STORE_ID TOKEN NUMBER ORDER_NUMBER PURPOSE[,PURPOSE]
 *
 * The checkout keeps the number and the ticked boxes on an order, then the report's first
 * attempt sends them to Balas. Prints JSON: whether the order is marked reported, the retries
 * scheduled and what was logged. WordPress and WooCommerce are the unit tests' stubs
 * (bootstrap.php) with real HTTP (live-http.php). tests/integration/test_plugin_consent.py runs it
 * against the console API.
 *
 * @package Balas_WhatsApp
 */

if ( 7 !== $argc ) {
	fwrite( STDERR, "usage: php tests/live-consent.php BALAS_URL STORE_ID TOKEN NUMBER ORDER_NUMBER PURPOSE[,PURPOSE]\n" );
	exit( 2 );
}
list( , $balas_url, $balas_store_id, $balas_token, $balas_number, $balas_order_number, $balas_purposes ) = $argv;

require __DIR__ . '/bootstrap.php';
require __DIR__ . '/live-http.php';
require BALAS_WHATSAPP_PLUGIN_DIR . '/balas-whatsapp.php';

WP_Stub::reset();
$balas_options = new Balas_WhatsApp_Options();
update_option(
	Balas_WhatsApp_Options::NAME,
	array_merge(
		Balas_WhatsApp_Options::defaults(),
		array(
			'balas_url' => $balas_url,
			'store_id'  => $balas_store_id,
			'token'     => $balas_token,
		)
	)
);
WP_Stub::$orders[1] = new WC_Order( 1, $balas_order_number );
$balas_posted       = array( Balas_WhatsApp_Checkout::NUMBER_FIELD => $balas_number );
foreach ( explode( ',', $balas_purposes ) as $balas_purpose ) {
	$balas_posted[ Balas_WhatsApp_Checkout::BOX_FIELDS[ $balas_purpose ] ] = '1';
}
$balas_report = new Balas_WhatsApp_Consent_Report( $balas_options );
( new Balas_WhatsApp_Checkout( $balas_report ) )->save_classic( 1, $balas_posted );
$balas_report->send( 1, 1 );

echo json_encode(
	array(
		'reported'  => '' !== WP_Stub::$orders[1]->get_meta( Balas_WhatsApp_Consent_Report::META_REPORTED ),
		'scheduled' => array_column( WP_Stub::$cron, 'args' ),
		'logs'      => WP_Stub::$logs,
	)
), "\n";
