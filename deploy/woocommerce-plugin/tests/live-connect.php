<?php
/**
 * Runs the plugin's connect call against a real Balas, outside WordPress:
 *
 *     php tests/live-connect.php BALAS_URL STORE_ID TOKEN SITE_URL
 *
 * prints the call's outcome as JSON ({"ok": ..., "message": ...}). WordPress is the unit tests'
 * stubs (bootstrap.php) with real HTTP (live-http.php), so the request Balas gets is the one the
 * plugin builds. tests/integration/test_wordpress_connect.py runs it against the console API.
 *
 * @package Balas_WhatsApp
 */

if ( 5 !== $argc ) {
	fwrite( STDERR, "usage: php tests/live-connect.php BALAS_URL STORE_ID TOKEN SITE_URL\n" );
	exit( 2 );
}
list( , $balas_url, $balas_store_id, $balas_token, $balas_site_url ) = $argv;

require __DIR__ . '/bootstrap.php';
require __DIR__ . '/live-http.php';
require BALAS_WHATSAPP_PLUGIN_DIR . '/balas-whatsapp.php';

WP_Stub::reset();
WP_Stub::$home_url = $balas_site_url;
$balas_result      = ( new Balas_WhatsApp_Connect() )->connect(
	array(
		'balas_url' => $balas_url,
		'store_id'  => $balas_store_id,
		'token'     => $balas_token,
	)
);
echo json_encode( $balas_result ), "\n";
