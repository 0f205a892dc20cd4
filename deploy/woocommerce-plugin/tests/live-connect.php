<?php
/**
 * Runs the plugin's connect call against a real Balas, outside WordPress:
 *
 *     php tests/live-connect.php BALAS_URL STORE_ID TOKEN SITE_URL
 *
 * prints the call's outcome as JSON ({"ok": ..., "message": ...}). The few WordPress functions
 * the connect class uses are defined here, wp_remote_post() with PHP's own HTTP stream (no
 * redirect followed, as the plugin asks), so the request Balas gets is the one the plugin
 * builds. tests/integration/test_wordpress_connect.py runs it against the console API.
 *
 * @package Balas_WhatsApp
 */

if ( 5 !== $argc ) {
	fwrite( STDERR, "usage: php tests/live-connect.php BALAS_URL STORE_ID TOKEN SITE_URL\n" );
	exit( 2 );
}
list( , $balas_url, $balas_store_id, $balas_token, $balas_site_url ) = $argv;

define( 'ABSPATH', __DIR__ . '/' );
$balas_main = (string) file_get_contents( dirname( __DIR__ ) . '/balas-whatsapp/balas-whatsapp.php' );
preg_match( "/define\\( 'BALAS_WHATSAPP_VERSION', '([^']+)' \\)/", $balas_main, $balas_version );
define( 'BALAS_WHATSAPP_VERSION', $balas_version[1] );

class WP_Error {
	private $message;

	public function __construct( string $code = '', string $message = '' ) {
		$this->message = $message;
	}

	public function get_error_message(): string {
		return $this->message;
	}
}

function __( $text, $domain = 'default' ) {
	return $text;
}
function untrailingslashit( $value ) {
	return rtrim( $value, '/\\' );
}
function wp_json_encode( $data ) {
	return json_encode( $data );
}
function home_url( $path = '' ) {
	global $balas_site_url;
	return $balas_site_url . $path;
}
function is_wp_error( $thing ) {
	return $thing instanceof WP_Error;
}
function wp_remote_retrieve_response_code( $response ) {
	return is_array( $response ) ? $response['response']['code'] : '';
}
function wp_remote_post( $url, $args = array() ) {
	$headers = array();
	foreach ( $args['headers'] as $name => $value ) {
		$headers[] = $name . ': ' . $value;
	}
	$context = stream_context_create(
		array(
			'http' => array(
				'method'          => 'POST',
				'header'          => implode( "\r\n", $headers ),
				'content'         => $args['body'],
				'timeout'         => $args['timeout'],
				'follow_location' => 0 === $args['redirection'] ? 0 : 1,
				'ignore_errors'   => true, // a 4xx is an answer, not a failure
			),
		)
	);
	$body = @file_get_contents( $url, false, $context ); // phpcs:ignore
	$head = function_exists( 'http_get_last_response_headers' ) ? http_get_last_response_headers() : ( $http_response_header ?? null );
	if ( false === $body || empty( $head ) || ! preg_match( '#^HTTP/\S+ (\d{3})#', $head[0], $status ) ) {
		return new WP_Error( 'http_request_failed', 'no HTTP answer from ' . $url );
	}
	return array(
		'response' => array( 'code' => (int) $status[1] ),
		'body'     => $body,
	);
}

require dirname( __DIR__ ) . '/balas-whatsapp/includes/class-balas-whatsapp-api.php';
require dirname( __DIR__ ) . '/balas-whatsapp/includes/class-balas-whatsapp-connect.php';

$balas_result = ( new Balas_WhatsApp_Connect() )->connect(
	array(
		'balas_url' => $balas_url,
		'store_id'  => $balas_store_id,
		'token'     => $balas_token,
	)
);
echo json_encode( $balas_result ), "\n";
