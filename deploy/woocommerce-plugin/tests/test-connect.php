<?php
/**
 * The connect call to Balas.
 *
 * @package Balas_WhatsApp
 */

function test_connect_posts_the_site_and_version_with_the_token_as_bearer() {
	$settings = save_settings( array( 'balas_url' => 'https://balas.example.com', 'store_id' => 'toko batik/1' ) );

	( new Balas_WhatsApp_Connect() )->connect( $settings );

	assert_same( 1, count( WP_Stub::$http_calls ) );
	$call = WP_Stub::$http_calls[0];
	assert_same( 'https://balas.example.com/api/stores/toko%20batik%2F1/wordpress/connect', $call['url'] );
	assert_same(
		array(
			'Authorization' => 'Bearer tok_0123456789abcdef',
			'Content-Type'  => 'application/json',
			'Accept'        => 'application/json',
		),
		$call['args']['headers']
	);
	assert_same(
		array(
			'site_url'       => 'https://toko-batik.example',
			'plugin_version' => BALAS_WHATSAPP_VERSION,
		),
		json_decode( $call['args']['body'], true )
	);
	assert_same( 5, $call['args']['timeout'] );
	assert_same( 0, $call['args']['redirection'], 'a redirect must not carry the token elsewhere' );
}

function test_a_2xx_answer_is_a_success() {
	WP_Stub::$http_response = array( 'response' => array( 'code' => 204 ) );

	$result = ( new Balas_WhatsApp_Connect() )->connect( save_settings() );

	assert_same( array( 'ok' => true, 'message' => 'Connected to Balas as store toko-batik.' ), $result );
}

function test_failures_say_what_went_wrong_without_the_token() {
	$cases = array(
		'Balas could not be reached: cURL error 28: Operation timed out' => new WP_Error( 'http_request_failed', 'cURL error 28: Operation timed out' ),
		'Balas refused the token (HTTP 401).'                            => array( 'response' => array( 'code' => 401 ) ),
		'Balas does not know store toko-batik, or does not offer the WordPress connection (HTTP 404).' => array( 'response' => array( 'code' => 404 ) ),
		'Balas answered HTTP 500.'                                       => array( 'response' => array( 'code' => 500 ) ),
	);
	foreach ( $cases as $message => $response ) {
		WP_Stub::$http_response = $response;

		$result = ( new Balas_WhatsApp_Connect() )->connect( save_settings() );

		assert_same( array( 'ok' => false, 'message' => $message ), $result );
		assert_not_contains( 'tok_0123456789abcdef', $result['message'] );
	}
}

function test_connect_needs_url_store_and_token() {
	$settings = save_settings();

	assert_same( true, Balas_WhatsApp_Api::configured( $settings ) );
	foreach ( array( 'balas_url', 'store_id', 'token' ) as $key ) {
		assert_same( false, Balas_WhatsApp_Api::configured( array_merge( $settings, array( $key => '' ) ) ), $key );
	}
}
